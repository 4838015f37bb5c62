#include "health/web/PrometheusWriter.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

using pharos::web::Labels;
using pharos::web::PrometheusWriter;

TEST_CASE("prometheus writer: HELP and TYPE once, a family's samples together") {
    PrometheusWriter w;
    w.family("a_total", "counter", "As");
    w.family("b", "gauge", "Bs");
    w.sample("a_total", {{"k", "1"}}, 1);
    w.sample("b", {}, 2);
    w.family("a_total", "counter", "As again");
    w.sample("a_total", {{"k", "2"}}, 3);
    CHECK(w.text() ==
          "# HELP a_total As\n"
          "# TYPE a_total counter\n"
          "a_total{k=\"1\"} 1\n"
          "a_total{k=\"2\"} 3\n"
          "# HELP b Bs\n"
          "# TYPE b gauge\n"
          "b 2\n");
}

TEST_CASE("prometheus writer: a family with no sample keeps its HELP and TYPE") {
    PrometheusWriter w;
    w.family("pharos_pool_held", "gauge", "Held pools");
    CHECK(w.text() == "# HELP pharos_pool_held Held pools\n# TYPE pharos_pool_held gauge\n");
}

TEST_CASE("prometheus writer: label values and help text are escaped") {
    PrometheusWriter w;
    w.family("x", "gauge", "a \\ and a\nnewline, \"quoted\"");
    Labels labels{{"member", "say \"hi\""}, {"path", "C:\\dir"}};
    labels.add("note", "two\nlines");
    w.sample("x", labels, 1);
    CHECK(w.text() ==
          "# HELP x a \\\\ and a\\nnewline, \"quoted\"\n"
          "# TYPE x gauge\n"
          "x{member=\"say \\\"hi\\\"\",path=\"C:\\\\dir\",note=\"two\\nlines\"} 1\n");
}

TEST_CASE("prometheus writer: a histogram's _bucket, _sum and _count belong to it") {
    PrometheusWriter w;
    w.family("t_seconds", "histogram", "Time");
    w.family("other", "gauge", "Other");
    w.sample("other", {}, 0);
    w.sample("t_seconds_bucket", {{"le", "0.5"}}, 1);
    w.sample("t_seconds_bucket", {{"le", "+Inf"}}, 2);
    w.sample("t_seconds_sum", {}, 0.75);
    w.sample("t_seconds_count", {}, 2);
    CHECK(w.text() ==
          "# HELP t_seconds Time\n"
          "# TYPE t_seconds histogram\n"
          "t_seconds_bucket{le=\"0.5\"} 1\n"
          "t_seconds_bucket{le=\"+Inf\"} 2\n"
          "t_seconds_sum 0.75\n"
          "t_seconds_count 2\n"
          "# HELP other Other\n"
          "# TYPE other gauge\n"
          "other 0\n");
}

TEST_CASE("prometheus writer: a sample of no declared family is untyped, never another's") {
    PrometheusWriter w;
    w.family("g", "gauge", "G");
    w.sample("g_count", {}, 1);  // a gauge has no _count: a family of its own
    w.sample("g", {}, 2);
    CHECK(w.text() ==
          "# HELP g G\n"
          "# TYPE g gauge\n"
          "g 2\n"
          "# TYPE g_count untyped\n"
          "g_count 1\n");
}

TEST_CASE("prometheus writer: numbers") {
    CHECK(PrometheusWriter::number(0.75) == "0.75");
    CHECK(PrometheusWriter::number(-1) == "-1");
    CHECK(PrometheusWriter::number(1764626100.123) == "1764626100.123");  // ms kept
    CHECK(PrometheusWriter::number(5e-07) == "5e-07");
    CHECK(PrometheusWriter::number(std::numeric_limits<double>::quiet_NaN()) == "NaN");
    CHECK(PrometheusWriter::number(INFINITY) == "+Inf");
    CHECK(PrometheusWriter::number(-INFINITY) == "-Inf");
    PrometheusWriter w;
    w.family("n", "gauge", "N");
    w.sample("n", {{"kind", "integer"}}, uint64_t(18446744073709551615ULL));
    w.sample("n", {{"kind", "double"}}, 2.5);
    w.sample("n", {{"kind", "int"}}, -3);
    CHECK(w.text() ==
          "# HELP n N\n# TYPE n gauge\n"
          "n{kind=\"integer\"} 18446744073709551615\n"
          "n{kind=\"double\"} 2.5\n"
          "n{kind=\"int\"} -3\n");
}
