"""A real editor's side of the conversation: a pytest-lsp client talking to `rulerun lsp` over stdio."""
from __future__ import annotations

import sys

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from lsp_editor import MEASURES


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(
    server_command=[sys.executable, "-m", "rulerun.interpreter.lsp"]))
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=MEASURES.as_uri()))
    yield
    await lsp_client.shutdown_session()
