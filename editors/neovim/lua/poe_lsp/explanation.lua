--- A finished explanation, shown in a floating Markdown window by the cursor.
local M = {}

--- Show `markdown` in a float when the explained buffer is the current one; otherwise say where
--- to read it (the server keeps it as the hover of the explained range).
---@param markdown string
---@param bufnr integer? The explained buffer.
---@return integer? winid The float, if one opened.
function M.show(markdown, bufnr)
  if bufnr and bufnr ~= vim.api.nvim_get_current_buf() then
    local name = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ':~:.')
    vim.notify(('Poe: the explanation of %s is ready: press K on the explained code.'):format(name))
    return nil
  end
  local lines = vim.split(vim.trim(markdown), '\n', { plain = true })
  local opts = vim.deepcopy(require('poe_lsp.config').options.float)
  local _, winid = vim.lsp.util.open_floating_preview(lines, 'markdown', opts)
  return winid
end

return M
