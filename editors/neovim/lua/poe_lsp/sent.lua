--- `:Poe sent [job]`: what a job sent to the bot (`poe.sent`), as Markdown in a scratch buffer.
local M = {}

--- A fence longer than any run of backticks in `text`.
---@param text string
---@return string
local function fence_for(text)
  local longest = 2
  for run in text:gmatch('`+') do
    longest = math.max(longest, #run)
  end
  return string.rep('`', longest + 1)
end

--- The lines of the Markdown that shows a `poe.sent` answer.
---@param job_id string
---@param sent { messages?: { role: string, content: string }[], sources?: string[] }
---@return string[]
function M.markdown(job_id, sent)
  local out = { ('# What %s sent'):format(job_id), '' }
  local sources = sent.sources or {}
  if #sources > 0 then
    table.insert(out, 'Files read for it:')
    table.insert(out, '')
    for _, source in ipairs(sources) do
      table.insert(out, ('- `%s`'):format((source:gsub('[`\n]', ''))))
    end
    table.insert(out, '')
  end
  for _, message in ipairs(sent.messages or {}) do
    local content = type(message.content) == 'string' and message.content or ''
    local fence = fence_for(content)
    table.insert(out, '## ' .. tostring(message.role))
    table.insert(out, '')
    table.insert(out, fence)
    vim.list_extend(out, vim.split(content, '\n', { plain = true }))
    table.insert(out, fence)
    table.insert(out, '')
  end
  return out
end

--- Show `sent` in a new read-only Markdown buffer below the current window.
---@param job_id string
---@param sent table
function M.show(job_id, sent)
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, M.markdown(job_id, sent))
  vim.bo[buf].filetype = 'markdown'
  vim.bo[buf].bufhidden = 'wipe'
  vim.bo[buf].modifiable = false
  pcall(vim.api.nvim_buf_set_name, buf, 'poe://sent/' .. job_id)
  vim.api.nvim_open_win(buf, true, { split = 'below' })
end

return M
