--- One undo step per answer: poe-lsp streams an answer as many `workspace/applyEdit` requests,
--- and each would be an undo step of its own. While a job runs (its progress is open), every Poe
--- edit to a buffer after the job's first one is `:undojoin`ed to the one before, as long as
--- nothing else changed the buffer between them; `poe/jobEnded` closes the group. A Poe edit
--- outside a job (accepting a reviewed answer) is a step of its own.
local M = {}

local contract = require('poe_lsp.contract')

--- For each buffer with an open group: the undo sequence number right after Poe's last edit.
---@type table<integer, integer>
local groups = {}

---@param bufnr integer
---@return integer
local function seq_cur(bufnr)
  return vim.fn.undotree(bufnr).seq_cur
end

--- The buffers a workspace edit changes.
---@param edit lsp.WorkspaceEdit
---@return integer[]
local function buffers(edit)
  local uris = {} ---@type table<string, true>
  for uri in pairs(edit.changes or {}) do
    uris[uri] = true
  end
  for _, change in ipairs(edit.documentChanges or {}) do
    if change.textDocument then
      uris[change.textDocument.uri] = true
    end
  end
  local result = {} ---@type integer[]
  for uri in pairs(uris) do
    local bufnr = vim.uri_to_bufnr(uri)
    if vim.api.nvim_buf_is_loaded(bufnr) then
      result[#result + 1] = bufnr
    end
  end
  return result
end

--- Join the next change of `bufnr` to Poe's previous edit, if it is still the latest change.
---@param bufnr integer
local function join(bufnr)
  if groups[bufnr] == seq_cur(bufnr) then
    vim.api.nvim_buf_call(bufnr, function()
      -- E790 after an undo: then the edit simply starts a new step.
      pcall(vim.cmd.undojoin)
    end)
  end
end

--- The `workspace/applyEdit` handler of the poe_lsp client: Poe's streamed edits are grouped and
--- applied quietly; any other edit goes to Neovim's own handler.
---@param err lsp.ResponseError?
---@param params lsp.ApplyWorkspaceEditParams
---@param ctx lsp.HandlerContext
---@return lsp.ApplyWorkspaceEditResult
function M.apply_edit(err, params, ctx)
  if not contract.is_poe_label(params.label) then
    return vim.lsp.handlers['workspace/applyEdit'](err, params, ctx)
  end
  local client = assert(vim.lsp.get_client_by_id(ctx.client_id))
  local streaming = next(client.progress.pending) ~= nil
  local touched = buffers(params.edit)
  for _, bufnr in ipairs(streaming and touched or {}) do
    join(bufnr)
  end
  local ok, result = pcall(vim.lsp.util.apply_workspace_edit, params.edit, client.offset_encoding)
  for _, bufnr in ipairs(buffers(params.edit)) do
    groups[bufnr] = streaming and seq_cur(bufnr) or nil
  end
  return { applied = ok, failureReason = not ok and tostring(result) or nil }
end

--- End the group of `bufnr`: the next Poe edit starts a new undo step.
---@param bufnr integer
function M.close(bufnr)
  groups[bufnr] = nil
end

return M
