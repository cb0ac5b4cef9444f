--- Poe's work-done progress: Neovim records it (`vim.lsp.status()`, `LspProgress`); this also
--- echoes it in the message area, without filling the message history, unless
--- `progress = false`. How a job ended is echoed on `poe/jobEnded` (failures arrive as
--- `window/showMessage` errors, which an echo here would hide).
local M = {}

--- The `$/progress` handler of the poe_lsp client.
---@param err lsp.ResponseError?
---@param params lsp.ProgressParams
---@param ctx lsp.HandlerContext
function M.on_progress(err, params, ctx)
  vim.lsp.handlers['$/progress'](err, params, ctx)
  local value = params.value
  if type(value) == 'table' and value.kind ~= 'end' then
    M.echo(value.title or 'Poe', value.message)
  end
end

--- Echo `title: message` without adding it to the message history, unless `progress = false`.
---@param title string
---@param message string?
function M.echo(title, message)
  if require('poe_lsp.config').options.progress then
    local text = message and (title .. ': ' .. message) or title
    vim.api.nvim_echo({ { text, 'MoreMsg' } }, false, {})
  end
end

return M
