#include <catch2/catch.hpp>

#include "cluster/StateMirror.hpp"

using namespace pharos::cluster;

TEST_CASE("state mirror: this node's pending changes lay over what etcd holds") {
    StateMirror m;
    m.seen("k/a", "1", 10);
    m.seen("k/b", "2", 11);
    m.queue({{"k/b", std::nullopt}, {"k/c", "3"}});
    CHECK(m.view() == StateKeys{{"k/a", "1"}, {"k/c", "3"}});
    m.seen("k/a", std::nullopt, 12);  // another node deleted it
    CHECK(m.view() == StateKeys{{"k/c", "3"}});
    m.forgetStore();  // a fresh read: the pending changes stay
    CHECK(m.view() == StateKeys{{"k/c", "3"}});
}

TEST_CASE("state mirror: one transaction at a time, of at most so many changes, in key order") {
    StateMirror m;
    m.queue({{"k/c", "3"}, {"k/a", "1"}, {"k/b", std::nullopt}});
    REQUIRE(m.pending());
    StateChanges first = m.startTransaction(2);
    CHECK(first == StateChanges{{"k/a", "1"}, {"k/b", std::nullopt}});
    CHECK(m.writing());
    CHECK(m.startTransaction(2).empty());  // one on its way
    m.written(20);
    CHECK_FALSE(m.writing());
    CHECK(m.view() == StateKeys{{"k/a", "1"}, {"k/c", "3"}});
    CHECK(m.startTransaction(2) == StateChanges{{"k/c", "3"}});
    m.written(21);
    CHECK_FALSE(m.pending());
    CHECK(m.startTransaction(2).empty());
    CHECK_FALSE(m.writing());
}

TEST_CASE("state mirror: a failed write is pending again, unless a newer change is") {
    StateMirror m;
    m.queue({{"k/a", "1"}, {"k/b", "2"}});
    m.startTransaction(10);
    m.queue({{"k/a", "newer"}});
    m.failed();
    CHECK_FALSE(m.writing());
    CHECK(m.startTransaction(10) == StateChanges{{"k/a", "newer"}, {"k/b", "2"}});
}

TEST_CASE("state mirror: what etcd reports older than this node's write is ignored") {
    StateMirror m;
    m.queue({{"k/a", "mine"}});
    m.startTransaction(10);
    m.written(30);
    m.seen("k/a", "old", 25);  // a watch event from before this node's write
    CHECK(m.view() == StateKeys{{"k/a", "mine"}});
    m.seen("k/a", "theirs", 31);
    CHECK(m.view() == StateKeys{{"k/a", "theirs"}});
    m.seen("k/a", "unrevisioned", 0);  // revision 0 always counts
    CHECK(m.view() == StateKeys{{"k/a", "unrevisioned"}});

    // Another node's write after this one, seen before this one's answer: theirs stays.
    m.queue({{"k/b", "mine"}});
    m.startTransaction(10);
    m.seen("k/b", "theirs", 41);
    m.written(40);
    CHECK(m.view().at("k/b") == "theirs");
}
