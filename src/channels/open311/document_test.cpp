#include "channels/open311/document.hpp"

#include <gtest/gtest.h>

#include "channels/open311/open311.hpp"

namespace guichet::channels::open311 {
namespace {

Node Sample() {
  return Node::List(
      "service_requests",
      {Node::Object("request", {Node::Scalar("service_request_id", "GU-2026-BBBBBB"),
                                Node::Scalar("lat", 45.5), Node::Scalar("metadata", true),
                                Node::TextOrNull("service_notice", "")})});
}

TEST(Open311Document, XmlHasTheDeclarationAndEscapesText) {
  Node n = Node::Object("x", {Node::Scalar("d", "a < b & \"c\" 'd' > e\r\x01")});
  EXPECT_EQ(RenderXml(n),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<x><d>a &lt; b &amp; &quot;c&quot; &apos;d&apos; &gt; e&#13;</d></x>\n");
}

TEST(Open311Document, JsonDropsTheRootAndListsBecomeArrays) {
  EXPECT_EQ(RenderJson(Sample()),
            R"([{"service_request_id":"GU-2026-BBBBBB","lat":45.5,"metadata":true,)"
            R"("service_notice":null}])");
  EXPECT_EQ(RenderXml(Sample()),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<service_requests><request>"
            "<service_request_id>GU-2026-BBBBBB</service_request_id><lat>45.5</lat>"
            "<metadata>true</metadata><service_notice/></request></service_requests>\n");
}

TEST(Open311Document, AListOfScalarsIsAnArrayOfValues) {
  Node formats = Node::List("formats", {Node::Scalar("format", "text/xml")});
  EXPECT_EQ(RenderJson(Node::Object("e", {formats})), R"({"formats":["text/xml"]})");
}

TEST(Open311Format, TheSuffixChoosesTheFormat) {
  EXPECT_EQ(SplitFormat("033.xml")->second, Format::kXml);
  EXPECT_EQ(SplitFormat("GU-2026-BBBBBB.json")->first, "GU-2026-BBBBBB");
  EXPECT_FALSE(SplitFormat("033.html"));
  EXPECT_FALSE(SplitFormat("033"));
  EXPECT_FALSE(SplitFormat(".json"));
}

}  // namespace
}  // namespace guichet::channels::open311
