// The fixtures the official MCP conformance suite (@modelcontextprotocol/conformance) calls: tools,
// resources and prompts with fixed names and answers. Registered only under
// `firebreak serve --mcp-test-fixtures` (loopback only); production tools/list never shows them.
// They exercise the real protocol machinery (content types, logging, progress, elicitation,
// sampling, subscriptions) with canned data and touch no incident state.
#include "core/json.h"
#include "mcp/schema.h"
#include "mcp/server.h"

namespace firebreak::mcp {

namespace {

// A 1x1 PNG and a 16-sample silent WAV, generated for these fixtures.
constexpr std::string_view kPng =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGO44KAAAAMUATH3v8xWAAAAAElFTkSuQmCC";
constexpr std::string_view kWav =
    "UklGRjQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YRAAAAAAAAAAAAAAAAAAAAAAAAAA";

json::object Text(std::string t) { return json::object{{"type", "text"}, {"text", std::move(t)}}; }
json::object Image() {
  return json::object{{"type", "image"}, {"data", kPng}, {"mimeType", "image/png"}};
}
json::object EmbeddedText(std::string uri, std::string mime, std::string text) {
  return json::object{{"type", "resource"},
                      {"resource", json::object{{"uri", std::move(uri)},
                                                {"mimeType", std::move(mime)},
                                                {"text", std::move(text)}}}};
}

ToolResult Content(json::array blocks) {
  ToolResult r;
  r.content = std::move(blocks);
  return r;
}

Tool Fixture(std::string name, std::string description, json::object input,
             std::function<Result<ToolResult>(Context&, const json::object&)> run) {
  Tool t;
  t.name = std::move(name);
  t.description = std::move(description);
  t.input_schema = std::move(input);
  t.annotations = Annotations{};
  t.scope = model::kScopeRead;
  t.run = std::move(run);
  t.fixture = true;
  return t;
}

Result<ToolResult> Elicit(Context& ctx, std::string message, json::object schema) {
  json::object params{{"message", std::move(message)}, {"requestedSchema", std::move(schema)}};
  FB_ASSIGN_OR_RETURN(auto answer,
                      ctx.RequestClient("elicitation/create", std::move(params), "elicitation"));
  return Content(json::array{Text("User response: " + core::ToJson(answer))});
}

json::object Titled(std::initializer_list<std::pair<const char*, const char*>> items) {
  json::array a;
  for (auto [c, t] : items) a.push_back(json::object{{"const", c}, {"title", t}});
  return json::object{{"a", a}};
}

}  // namespace

void AddConformanceFixtures(Registry& r) {
  using schema::Object;
  r.Add(Fixture("test_simple_text", "Returns a fixed text (conformance fixture)", Object({}),
                [](Context&, const json::object&) -> Result<ToolResult> {
                  return Content(json::array{Text("This is a simple text response for testing.")});
                }));
  r.Add(Fixture("test_image_content", "Returns a 1x1 PNG (conformance fixture)", Object({}),
                [](Context&, const json::object&) -> Result<ToolResult> {
                  return Content(json::array{Image()});
                }));
  r.Add(Fixture("test_audio_content", "Returns a short WAV (conformance fixture)", Object({}),
                [](Context&, const json::object&) -> Result<ToolResult> {
                  return Content(json::array{
                      json::object{{"type", "audio"}, {"data", kWav}, {"mimeType", "audio/wav"}}});
                }));
  r.Add(Fixture("test_embedded_resource", "Returns an embedded resource (conformance fixture)",
                Object({}), [](Context&, const json::object&) -> Result<ToolResult> {
                  return Content(
                      json::array{EmbeddedText("test://embedded-resource", "text/plain",
                                               "This is an embedded resource content.")});
                }));
  r.Add(Fixture(
      "test_multiple_content_types", "Returns text, image and resource (conformance fixture)",
      Object({}), [](Context&, const json::object&) -> Result<ToolResult> {
        return Content(json::array{Text("Multiple content types test:"), Image(),
                                   EmbeddedText("test://mixed-content-resource", "application/json",
                                                R"({"test":"data","value":123})")});
      }));
  r.Add(Fixture("test_tool_with_logging", "Sends log messages while it runs (conformance fixture)",
                Object({}), [](Context& ctx, const json::object&) -> Result<ToolResult> {
                  for (const char* m : {"Tool execution started", "Tool processing data",
                                        "Tool execution completed"})
                    ctx.Log(LogLevel::kInfo, json::value(m), "conformance");
                  return Content(json::array{Text("Tool with logging executed successfully")});
                }));
  r.Add(Fixture("test_error_handling", "Always fails with a tool error (conformance fixture)",
                Object({}), [](Context&, const json::object&) -> Result<ToolResult> {
                  return MakeError(ErrorCode::kFailedPrecondition,
                                   "This tool intentionally returns an error for testing");
                }));
  r.Add(Fixture("test_tool_with_progress", "Reports progress 0, 50, 100 (conformance fixture)",
                Object({}), [](Context& ctx, const json::object&) -> Result<ToolResult> {
                  for (double p : {0.0, 50.0, 100.0}) ctx.Progress(p, 100.0, "step");
                  return Content(json::array{Text("Tool with progress executed successfully")});
                }));
  r.Add(Fixture(
      "test_sampling", "Asks the client's model (conformance fixture)",
      Object({{"prompt", schema::Str("The prompt", 10000)}}, {"prompt"}),
      [](Context& ctx, const json::object& args) -> Result<ToolResult> {
        json::object msg{{"role", "user"},
                         {"content", json::object{{"type", "text"}, {"text", args.at("prompt")}}}};
        json::object params{{"messages", json::array{msg}}, {"maxTokens", 100}};
        FB_ASSIGN_OR_RETURN(auto answer, ctx.RequestClient("sampling/createMessage",
                                                           std::move(params), "sampling"));
        std::string text = core::ToJson(answer);
        if (answer.is_object())
          if (auto* c = answer.get_object().if_contains("content"); c && c->is_object())
            if (auto* t = c->get_object().if_contains("text"); t && t->is_string())
              text = t->get_string();
        return Content(json::array{Text("LLM response: " + text)});
      }));
  r.Add(Fixture("test_elicitation", "Asks the user for input (conformance fixture)",
                Object({{"message", schema::Str("What to ask", 2000)}}, {"message"}),
                [](Context& ctx, const json::object& args) -> Result<ToolResult> {
                  json::object s{
                      {"type", "object"},
                      {"properties", json::object{{"username", json::object{{"type", "string"}}},
                                                  {"email", json::object{{"type", "string"}}}}},
                      {"required", json::array{"username", "email"}}};
                  return Elicit(ctx, std::string(args.at("message").get_string()), std::move(s));
                }));
  r.Add(Fixture(
      "test_elicitation_sep1034_defaults", "Elicits with default values (conformance fixture)",
      Object({}), [](Context& ctx, const json::object&) -> Result<ToolResult> {
        json::object props{
            {"name",
             json::object{{"type", "string"}, {"description", "Name"}, {"default", "John Doe"}}},
            {"age", json::object{{"type", "integer"}, {"description", "Age"}, {"default", 30}}},
            {"score",
             json::object{{"type", "number"}, {"description", "Score"}, {"default", 95.5}}},
            {"status", json::object{{"type", "string"},
                                    {"description", "Status"},
                                    {"enum", json::array{"active", "inactive", "pending"}},
                                    {"default", "active"}}},
            {"verified",
             json::object{{"type", "boolean"}, {"description", "Verified"}, {"default", true}}}};
        json::object s{
            {"type", "object"}, {"properties", std::move(props)}, {"required", json::array{}}};
        return Elicit(ctx, "Please review and update the form fields with defaults", std::move(s));
      }));
  r.Add(Fixture(
      "test_elicitation_sep1330_enums", "Elicits with every enum style (conformance fixture)",
      Object({}), [](Context& ctx, const json::object&) -> Result<ToolResult> {
        auto titled = Titled(
            {{"value1", "First Option"}, {"value2", "Second Option"}, {"value3", "Third Option"}});
        json::object props{
            {"untitledSingle",
             json::object{{"type", "string"},
                          {"enum", json::array{"option1", "option2", "option3"}}}},
            {"titledSingle", json::object{{"type", "string"}, {"oneOf", titled["a"]}}},
            {"legacyEnum",
             json::object{{"type", "string"},
                          {"enum", json::array{"opt1", "opt2", "opt3"}},
                          {"enumNames", json::array{"Option One", "Option Two", "Option Three"}}}},
            {"untitledMulti",
             json::object{
                 {"type", "array"},
                 {"items", json::object{{"type", "string"},
                                        {"enum", json::array{"option1", "option2", "option3"}}}}}},
            {"titledMulti",
             json::object{{"type", "array"}, {"items", json::object{{"anyOf", titled["a"]}}}}}};
        json::object s{
            {"type", "object"}, {"properties", std::move(props)}, {"required", json::array{}}};
        return Elicit(ctx, "Choose from the enum fields", std::move(s));
      }));
  {
    // Published verbatim: $schema, $defs, $ref and additionalProperties survive tools/list.
    json::object s{
        {"$schema", "https://json-schema.org/draft/2020-12/schema"},
        {"type", "object"},
        {"$defs",
         json::object{{"address",
                       json::object{{"type", "object"},
                                    {"properties",
                                     json::object{{"street", json::object{{"type", "string"}}},
                                                  {"city", json::object{{"type", "string"}}}}}}}}},
        {"properties", json::object{{"name", json::object{{"type", "string"}}},
                                    {"address", json::object{{"$ref", "#/$defs/address"}}}}},
        {"additionalProperties", false}};
    r.Add(Fixture("json_schema_2020_12_tool",
                  "Tool with JSON Schema 2020-12 features (conformance fixture)", std::move(s),
                  [](Context&, const json::object& args) -> Result<ToolResult> {
                    return Content(json::array{Text("Received: " + core::ToJson(args))});
                  }));
  }

  // ---- resources ----
  auto fixed = [&r](std::string uri, std::string name, std::string mime, ResourceContents c,
                    bool subscribable) {
    Resource res;
    res.uri_template = uri;
    res.name = std::move(name);
    res.description = "Conformance fixture";
    res.mime_type = mime;
    res.subscribable = subscribable;
    res.read = [c](Context&, const std::map<std::string, std::string>&,
                   const std::string&) -> Result<ResourceContents> { return c; };
    res.fixture = true;
    r.Add(std::move(res));
  };
  fixed("test://static-text", "static-text", "text/plain",
        ResourceContents{"test://static-text", "text/plain",
                         "This is the content of the static text resource.", ""},
        false);
  fixed("test://static-binary", "static-binary", "image/png",
        ResourceContents{"test://static-binary", "image/png", "", std::string(kPng)}, false);
  fixed("test://watched-resource", "watched-resource", "text/plain",
        ResourceContents{"test://watched-resource", "text/plain", "Watched resource content", ""},
        true);
  {
    Resource res;
    res.uri_template = "test://template/{id}/data";
    res.name = "template";
    res.description = "Conformance fixture: data for an id";
    res.read = [](Context&, const std::map<std::string, std::string>& vars,
                  const std::string& uri) -> Result<ResourceContents> {
      const std::string& id = vars.at("id");
      json::object doc{{"id", id}, {"templateTest", true}, {"data", "Data for ID: " + id}};
      return ResourceContents{uri, "application/json", core::ToJson(doc), ""};
    };
    res.fixture = true;
    r.Add(std::move(res));
  }

  // ---- prompts ----
  auto user = [](json::object content) {
    return json::object{{"role", "user"}, {"content", std::move(content)}};
  };
  r.Add(Prompt{
      .name = "test_simple_prompt",
      .title = "",
      .description = "A prompt without arguments (conformance fixture)",
      .arguments = {},
      .get = [user](Context&, const std::map<std::string, std::string>&) -> Result<json::object> {
        return json::object{
            {"messages", json::array{user(Text("This is a simple prompt for testing."))}}};
      },
      .complete = nullptr,
      .fixture = true});
  r.Add(Prompt{
      .name = "test_prompt_with_arguments",
      .title = "",
      .description = "A prompt with two arguments (conformance fixture)",
      .arguments = {{"arg1", "First argument", true}, {"arg2", "Second argument", true}},
      .get = [user](Context&, const std::map<std::string, std::string>& a) -> Result<json::object> {
        std::string t =
            "Prompt with arguments: arg1='" + a.at("arg1") + "', arg2='" + a.at("arg2") + "'";
        return json::object{{"messages", json::array{user(Text(t))}}};
      },
      .complete = [](Context&, const std::string&,
                     const std::string&) { return std::vector<std::string>{}; },
      .fixture = true});
  r.Add(Prompt{
      .name = "test_prompt_with_embedded_resource",
      .title = "",
      .description = "A prompt embedding a resource (conformance fixture)",
      .arguments = {{"resourceUri", "URI of the resource to embed", true}},
      .get = [user](Context&, const std::map<std::string, std::string>& a) -> Result<json::object> {
        return json::object{
            {"messages", json::array{user(EmbeddedText(a.at("resourceUri"), "text/plain",
                                                       "Embedded resource content for testing.")),
                                     user(Text("Please process the embedded resource above."))}}};
      },
      .complete = nullptr,
      .fixture = true});
  r.Add(Prompt{
      .name = "test_prompt_with_image",
      .title = "",
      .description = "A prompt with an image (conformance fixture)",
      .arguments = {},
      .get = [user](Context&, const std::map<std::string, std::string>&) -> Result<json::object> {
        return json::object{
            {"messages",
             json::array{user(Image()), user(Text("Please analyze the image above."))}}};
      },
      .complete = nullptr,
      .fixture = true});
}

}  // namespace firebreak::mcp
