--- `:Poe chat` and `:Poe send`: a chat is a Markdown file the server writes in its chat folder
--- (`$POE_CHAT_DIRECTORY`, else `$XDG_STATE_HOME/poe-lsp/chats`); `## You` sections are your
--- turns. The chat buffer joins the poe-lsp client the chat was made from.
local M = {}

local contract = require('poe_lsp.contract')
local rpc = require('poe_lsp.rpc')

--- The folder the server writes chats to, as it finds it in the environment it inherits.
---@return string
function M.directory()
  if vim.env.POE_CHAT_DIRECTORY and vim.env.POE_CHAT_DIRECTORY ~= '' then
    return vim.fs.normalize(vim.env.POE_CHAT_DIRECTORY)
  end
  local state = vim.env.XDG_STATE_HOME
  if not state or state == '' then
    state = vim.fs.joinpath(vim.uv.os_homedir() or '~', '.local', 'state')
  end
  return vim.fs.normalize(vim.fs.joinpath(state, 'poe-lsp', 'chats'))
end

--- For a chat buffer, the root of the poe-lsp client already running (so the chat joins the
--- session that made it); nil for any other buffer.
---@param bufnr integer
---@return string?
function M.root_for(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == '' or vim.fs.normalize(vim.fs.dirname(name)) ~= M.directory() then
    return nil
  end
  local client = vim.lsp.get_clients({ name = 'poe_lsp' })[1]
  return client and client.root_dir or nil
end

--- Make a chat, from `range` of `bufnr` when given; the server opens it.
---@param client vim.lsp.Client
---@param bufnr integer
---@param range? lsp.Range
function M.open(client, bufnr, range)
  if not rpc.offers(client, contract.CMD_CHAT) then
    return rpc.notify(('this poe-lsp has no %s command; update poe-lsp.'):format(contract.CMD_CHAT))
  end
  local argument = range and { textDocument = { uri = vim.uri_from_bufnr(bufnr) }, range = range }
    or vim.empty_dict()
  rpc.execute(client, contract.CMD_CHAT, { argument }, function(result)
    if type(result.uri) == 'string' then
      rpc.notify('write under the last "## You", then :Poe send.')
    end
  end, bufnr)
end

--- Send the chat in `bufnr`: the answer streams in under `## <bot>`, then a fresh `## You`.
---@param client vim.lsp.Client
---@param bufnr integer
function M.send(client, bufnr)
  local argument = { textDocument = { uri = vim.uri_from_bufnr(bufnr) } }
  rpc.execute(client, contract.CMD_CHAT_SEND, { argument }, function(result)
    if result.jobId then
      local job = { id = result.jobId, action = 'ask', client_id = client.id, bufnr = bufnr }
      require('poe_lsp.jobs').started(job)
    end
  end, bufnr)
end

return M
