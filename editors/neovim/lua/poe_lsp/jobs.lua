--- The jobs started from this Neovim, and what happens when the server says one ended
--- (`poe/jobEnded`): the undo group closes, a finished explanation opens in a float, and the
--- `User PoeJobEnded` autocommand fires with the notification's params as its data.
local M = {}

---@class poe_lsp.Job
---@field id string The server's job id, like `refactor-1`.
---@field action poe_lsp.Action|string A custom action's id for `:Poe run`.
---@field client_id integer
---@field bufnr integer The buffer the action was started in.

---@class poe_lsp.JobEnded
---@field jobId string
---@field action poe_lsp.Action
---@field uri string
---@field targetUri string? The document the edits went to (nil for explain).
---@field outcome 'done'|'cancelled'|'failed'
---@field message string
---@field edits integer How many `workspace/applyEdit` requests the job sent.
---@field explanation string? The Markdown of a finished explain.

---@type table<string, poe_lsp.Job>
local running = {}
---@type string?
local last
---@type string?
local last_done
---@type table<string, poe_lsp.Job>
local known = {}

--- Remember a job the server just started.
---@param job poe_lsp.Job
function M.started(job)
  running[job.id] = job
  known[job.id] = job
  last = job.id
end

--- The job `id` started from this Neovim, running or not.
---@param id string
---@return poe_lsp.Job?
function M.get(id)
  return known[id]
end

--- The id of the last job that finished well (the one `:Poe followup` continues), if any.
---@return string?
function M.last_done()
  return last_done
end

--- The id of the last job started from this Neovim, if any.
---@return string?
function M.last()
  return last
end

--- The jobs still running, oldest first.
---@return poe_lsp.Job[]
function M.running()
  local list = vim.tbl_values(running)
  table.sort(list, function(a, b)
    local na, nb = tonumber(a.id:match('%d+$')) or 0, tonumber(b.id:match('%d+$')) or 0
    return na < nb
  end)
  return list
end

--- Forget the jobs of a client that stopped.
---@param client_id integer
function M.forget_client(client_id)
  for id, job in pairs(running) do
    if job.client_id == client_id then
      running[id] = nil
    end
  end
end

--- The loaded buffer of `uri`, if any (compared by file name: URIs may be escaped differently).
---@param uri string?
---@return integer?
local function loaded_buffer(uri)
  if type(uri) ~= 'string' then
    return nil
  end
  local fname = vim.fs.normalize(vim.uri_to_fname(uri))
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if
      vim.api.nvim_buf_is_loaded(bufnr)
      and vim.fs.normalize(vim.api.nvim_buf_get_name(bufnr)) == fname
    then
      return bufnr
    end
  end
  return nil
end

--- The handler of `poe/jobEnded`.
---@param _ lsp.ResponseError?
---@param params poe_lsp.JobEnded
function M.on_job_ended(_, params)
  local job = running[params.jobId]
  running[params.jobId] = nil
  if params.outcome == 'done' then
    last_done = params.jobId
  end
  local target = loaded_buffer(params.targetUri)
  if target then
    require('poe_lsp.undo').close(target)
  end
  if params.outcome ~= 'failed' then
    local title = 'Poe: ' .. (require('poe_lsp.contract').TITLES[params.action] or params.action)
    require('poe_lsp.progress').echo(title, params.message)
  end
  if
    params.action == 'explain'
    and params.outcome == 'done'
    and type(params.explanation) == 'string'
  then
    local source = job and job.bufnr or loaded_buffer(params.uri)
    require('poe_lsp.explanation').show(params.explanation, source)
  end
  vim.api.nvim_exec_autocmds('User', { pattern = 'PoeJobEnded', modeline = false, data = params })
end

return M
