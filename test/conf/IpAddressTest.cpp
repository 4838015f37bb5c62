#include <catch2/catch.hpp>

#include "base/DnsName.hpp"
#include "base/IpAddress.hpp"

using pharos::base::Cidr;
using pharos::base::Family;
using pharos::base::IpAddress;

TEST_CASE("addresses parse in both families and print canonically") {
    auto v4 = IpAddress::parse("10.1.0.5");
    REQUIRE(v4);
    CHECK(v4->family == Family::V4);
    CHECK(v4->str() == "10.1.0.5");
    CHECK(v4->v4() == 0x0A010005u);
    auto v6 = IpAddress::parse("2001:DB8::1");
    REQUIRE(v6);
    CHECK(v6->family == Family::V6);
    CHECK(v6->str() == "2001:db8::1");
    for (const char* bad :
         {"", "10.1.0", "10.1.0.256", "1.2.3.4.5", "host", "2001:db8::g", " 1.2.3.4"}) {
        INFO(bad);
        CHECK_FALSE(IpAddress::parse(bad));
    }
}

TEST_CASE("CIDRs are strict by default and contain only their own family") {
    auto net = Cidr::parse("10.1.0.0/16");
    REQUIRE(net);
    CHECK(net->contains(*IpAddress::parse("10.1.255.7")));
    CHECK_FALSE(net->contains(*IpAddress::parse("10.2.0.1")));
    CHECK_FALSE(net->contains(*IpAddress::parse("::ffff:10.1.0.1")));
    CHECK_FALSE(Cidr::parse("10.1.0.1/16"));  // host bits set
    CHECK(Cidr::parse("10.1.0.1/16", false)->str() == "10.1.0.0/16");
    CHECK(Cidr::parse("10.1.0.5")->prefix == 32);  // bare address
    CHECK(Cidr::parse("2001:db8::/32")->prefix == 32);
    CHECK_FALSE(Cidr::parse("10.0.0.0/33"));
    CHECK_FALSE(Cidr::parse("10.0.0.0/"));
    CHECK_FALSE(Cidr::parse("10.0.0.0/8x"));
    CHECK(Cidr::parse("0.0.0.0/0")->contains(*IpAddress::parse("192.0.2.1")));
}

TEST_CASE("DNS names are compared lower-case without the root dot") {
    CHECK(pharos::base::canonicalName("MyWeb.Contoso.LOCAL.") == "myweb.contoso.local");
    CHECK(pharos::base::canonicalName("myweb.contoso.local") == "myweb.contoso.local");
    CHECK(pharos::base::canonicalName(".") == ".");
}
