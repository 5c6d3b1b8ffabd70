// Starts `rulerun lsp` for the YAML files of a measures folder (measures, definitions and cases).
const { workspace } = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const [command, ...args] = workspace.getConfiguration("rulerun").get("command");
  client = new LanguageClient("rulerun", "rulerun", { command, args }, {
    documentSelector: [{ scheme: "file", language: "yaml", pattern: "**/measures/**/*.yaml" }],
  });
  client.start();
  context.subscriptions.push(client);
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
