--- LSP ranges for what the user points at: the cursor, whole lines, or a characterwise visual
--- selection, with columns in the client's position encoding.
local M = {}

---@param bufnr integer
---@param row integer 0-based
---@return string
local function line_at(bufnr, row)
  return vim.api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ''
end

---@param bufnr integer
---@param row integer 0-based
---@param col integer 0-based byte column
---@param encoding 'utf-8'|'utf-16'|'utf-32'
---@return lsp.Position
local function position(bufnr, row, col, encoding)
  local line = line_at(bufnr, row)
  col = math.min(col, #line)
  return { line = row, character = vim.str_utfindex(line, encoding, col, false) }
end

--- An empty range at the cursor: the server acts on the line under it and the block it opens.
---@param winid integer
---@param encoding 'utf-8'|'utf-16'|'utf-32'
---@return lsp.Range
function M.cursor(winid, encoding)
  local row, col = unpack(vim.api.nvim_win_get_cursor(winid))
  local pos = position(vim.api.nvim_win_get_buf(winid), row - 1, col, encoding)
  return { start = pos, ['end'] = pos }
end

--- Lines `line1` to `line2` (1-based, inclusive), with the line break after the last one.
---@param bufnr integer
---@param line1 integer
---@param line2 integer
---@param encoding 'utf-8'|'utf-16'|'utf-32'
---@return lsp.Range
function M.lines(bufnr, line1, line2, encoding)
  local finish ---@type lsp.Position
  if line2 < vim.api.nvim_buf_line_count(bufnr) then
    finish = { line = line2, character = 0 }
  else
    finish = position(bufnr, line2 - 1, math.huge, encoding)
  end
  return { start = { line = line1 - 1, character = 0 }, ['end'] = finish }
end

--- The characterwise selection between the marks `'<` and `'>` (as `getpos()` gives them).
---@param bufnr integer
---@param first integer[] `getpos("'<")`
---@param last integer[] `getpos("'>")`
---@param encoding 'utf-8'|'utf-16'|'utf-32'
---@return lsp.Range
function M.charwise(bufnr, first, last, encoding)
  local start = position(bufnr, first[2] - 1, first[3] - 1, encoding)
  local row, col = last[2] - 1, last[3] - 1
  local line = line_at(bufnr, row)
  if col >= #line then
    -- The selection takes in the line break (`v$`).
    return { start = start, ['end'] = M.lines(bufnr, last[2], last[2], encoding)['end'] }
  end
  local stop = col
  if vim.o.selection ~= 'exclusive' then
    stop = col + 1 + vim.str_utf_end(line, col + 1)
  end
  return { start = start, ['end'] = position(bufnr, row, stop, encoding) }
end

--- The range an ex command was given: a characterwise visual selection when the command came
--- from one, whole lines for any other range, the cursor without one.
---@param opts vim.api.keyset.create_user_command.command_args
---@param encoding 'utf-8'|'utf-16'|'utf-32'
---@return lsp.Range
function M.from_command(opts, encoding)
  local bufnr = vim.api.nvim_get_current_buf()
  if opts.range == 0 then
    return M.cursor(0, encoding)
  end
  local first, last = vim.fn.getpos("'<"), vim.fn.getpos("'>")
  if vim.fn.visualmode() == 'v' and first[2] == opts.line1 and last[2] == opts.line2 then
    return M.charwise(bufnr, first, last, encoding)
  end
  return M.lines(bufnr, opts.line1, opts.line2, encoding)
end

return M
