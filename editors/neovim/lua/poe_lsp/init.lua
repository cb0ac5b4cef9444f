--- poe_lsp: Poe bots in Neovim through the poe-lsp language server.
---
--- `vim.lsp.enable('poe_lsp')` is all it needs; `setup()` is optional. The functions here are
--- what `:Poe` and the `<Plug>(poe-…)` mappings call.
local M = {}

local contract = require('poe_lsp.contract')

--- The name of the client, as `vim.lsp.enable('poe_lsp')` starts it.
M.name = 'poe_lsp'

---@class poe_lsp.ActionOpts
---@field bufnr? integer The buffer to act on (default: the current one).
---@field range? lsp.Range What to act on (default: the cursor's line and the block it opens).
---@field instruction? string What to do, for `ask` (asked for when missing).
---@field bot? string A bot for this request only.

--- Configure poe-lsp and, unless `enable = false`, enable it. Optional: without it the plugin
--- uses the defaults and the key from `$POE_API_KEY`.
---@param opts? poe_lsp.Opts
function M.setup(opts)
  local config = require('poe_lsp.config')
  local options = config.set(opts)
  require('poe_lsp.key').forget()
  vim.lsp.config(M.name, config.lsp_config(options))
  if options.enable ~= false then
    vim.lsp.enable(M.name)
  end
end

---@param bufnr? integer
---@return integer
local function resolve_buf(bufnr)
  return (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
end

--- Why no poe_lsp client serves `bufnr`, and what to do about it.
---@param bufnr integer
---@return string
local function missing_client(bufnr)
  if not vim.lsp.is_enabled(M.name) then
    return "poe-lsp is not enabled: add vim.lsp.enable('poe_lsp') (or require('poe_lsp').setup())"
      .. ' to your config. :checkhealth poe_lsp tells more.'
  elseif vim.bo[bufnr].buftype ~= '' or vim.bo[bufnr].filetype == '' then
    return 'poe-lsp attaches to file buffers that have a filetype; this buffer has none.'
  end
  return 'poe-lsp is not attached to this buffer (still starting, or `poe-lsp` failed to start):'
    .. ' see :checkhealth poe_lsp.'
end

--- The poe_lsp client attached to `bufnr`, or nil and a message saying how to get one.
---@param bufnr? integer
---@return vim.lsp.Client? client
---@return string? problem
function M.client(bufnr)
  bufnr = resolve_buf(bufnr)
  local client = vim.lsp.get_clients({ bufnr = bufnr, name = M.name })[1]
  if not client then
    return nil, missing_client(bufnr)
  end
  return client
end

local rpc = require('poe_lsp.rpc')
local offers, notify, execute = rpc.offers, rpc.notify, rpc.execute

--- The diagnostics of `bufnr` on the lines of `range`, as LSP diagnostics.
---@param bufnr integer
---@param range lsp.Range
---@return lsp.Diagnostic[]
local function diagnostics_in(bufnr, range)
  local found = vim.tbl_filter(function(d)
    return d.lnum <= range['end'].line and (d.end_lnum or d.lnum) >= range.start.line
  end, vim.diagnostic.get(bufnr))
  return vim.lsp.diagnostic.from(found)
end

--- Start an action on a range of a buffer; the answer streams in while it arrives.
---@param action poe_lsp.Action
---@param opts? poe_lsp.ActionOpts
function M.run(action, opts)
  opts = opts or {}
  local bufnr = resolve_buf(opts.bufnr)
  local client, problem = M.client(bufnr)
  if not client then
    return notify(assert(problem), vim.log.levels.WARN)
  end
  if action == 'ask' and vim.trim(opts.instruction or '') == '' then
    vim.ui.input({ prompt = 'Ask Poe: ' }, function(input)
      if input and vim.trim(input) ~= '' then
        M.run(action, vim.tbl_extend('force', opts, { bufnr = bufnr, instruction = input }))
      end
    end)
    return
  end
  local command = contract.command_for(action)
  if not offers(client, command) then
    return notify(('this poe-lsp has no %s command; update poe-lsp.'):format(command))
  end
  local winid = bufnr == vim.api.nvim_get_current_buf() and 0 or vim.fn.bufwinid(bufnr)
  if not opts.range and winid == -1 then
    return notify('give a range: the buffer is in no window.', vim.log.levels.WARN)
  end
  local range = opts.range or require('poe_lsp.range').cursor(winid, client.offset_encoding)
  local argument = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = range,
    instruction = action == 'ask' and opts.instruction or nil,
    bot = opts.bot,
    diagnostics = diagnostics_in(bufnr, range),
  }
  execute(client, command, { argument }, function(result)
    if result.jobId then
      local job = { id = result.jobId, action = action, client_id = client.id, bufnr = bufnr }
      require('poe_lsp.jobs').started(job)
    end
  end, bufnr)
end

--- Run your own action `id` (the `actions` option) or a project prompt file (`prompt:<name>`)
--- on a range, like the built-in action of its output.
---@param id string
---@param opts? poe_lsp.ActionOpts
function M.run_action(id, opts)
  opts = opts or {}
  local bufnr = resolve_buf(opts.bufnr)
  local client, problem = M.client(bufnr)
  if not client then
    return notify(assert(problem), vim.log.levels.WARN)
  end
  if not offers(client, contract.CMD_RUN) then
    return notify('this poe-lsp has no custom actions; update poe-lsp.')
  end
  local winid = bufnr == vim.api.nvim_get_current_buf() and 0 or vim.fn.bufwinid(bufnr)
  if not opts.range and winid == -1 then
    return notify('give a range: the buffer is in no window.', vim.log.levels.WARN)
  end
  local range = opts.range or require('poe_lsp.range').cursor(winid, client.offset_encoding)
  local argument =
    { action = id, textDocument = { uri = vim.uri_from_bufnr(bufnr) }, range = range }
  execute(client, contract.CMD_RUN, { argument }, function(result)
    if result.jobId then
      local job = { id = result.jobId, action = id, client_id = client.id, bufnr = bufnr }
      require('poe_lsp.jobs').started(job)
    end
  end, bufnr)
end

--- The ids of the custom actions and prompt files offered for `bufnr` (asks the server; empty
--- when it cannot tell within half a second).
---@param bufnr? integer
---@return string[]
function M.action_ids(bufnr)
  bufnr = resolve_buf(bufnr)
  local client = M.client(bufnr)
  if not client or not offers(client, contract.CMD_LIST_ACTIONS) then
    return {}
  end
  local params = {
    command = contract.CMD_LIST_ACTIONS,
    arguments = { { textDocument = { uri = vim.uri_from_bufnr(bufnr) } } },
  }
  local response = client:request_sync('workspace/executeCommand', params, 500, bufnr)
  local result = response and response.result
  if type(result) ~= 'table' or type(result.actions) ~= 'table' then
    return {}
  end
  return vim.tbl_map(function(entry)
    return entry.id
  end, result.actions)
end

--- Explain the range: the explanation opens in a float when ready, and is the hover of the range.
---@param opts? poe_lsp.ActionOpts
function M.explain(opts)
  M.run('explain', opts)
end

--- Rewrite the range; the new code streams into the buffer, one undo step in all.
---@param opts? poe_lsp.ActionOpts
function M.refactor(opts)
  M.run('refactor', opts)
end

--- Write tests for the range into the project's test file, then show it.
---@param opts? poe_lsp.ActionOpts
function M.write_tests(opts)
  M.run('writeTests', opts)
end

--- Replace the range as `instruction` asks (asked for when nil).
---@param instruction? string
---@param opts? poe_lsp.ActionOpts
function M.ask(instruction, opts)
  M.run('ask', vim.tbl_extend('force', opts or {}, { instruction = instruction }))
end

--- Write the message of a commit message buffer (`git commit` opens `.git/COMMIT_EDITMSG`) from
--- the staged changes: it streams in above git's comment lines, replacing the text there.
---@param opts? { bufnr?: integer, bot?: string }
function M.commit_message(opts)
  opts = opts or {}
  local bufnr = resolve_buf(opts.bufnr)
  local client, problem = M.client(bufnr)
  if not client then
    return notify(assert(problem), vim.log.levels.WARN)
  end
  if not offers(client, contract.CMD_COMMIT_MESSAGE) then
    return notify('this poe-lsp cannot write commit messages; update poe-lsp.')
  end
  local argument = { textDocument = { uri = vim.uri_from_bufnr(bufnr) }, bot = opts.bot }
  execute(client, contract.CMD_COMMIT_MESSAGE, { argument }, function(result)
    if result.jobId then
      local job =
        { id = result.jobId, action = 'commitMessage', client_id = client.id, bufnr = bufnr }
      require('poe_lsp.jobs').started(job)
    end
  end, bufnr)
end

--- Cancel job `job_id`, or every Poe job; the partial edit is rolled back.
---@param job_id? string
function M.cancel(job_id)
  local clients = vim.lsp.get_clients({ name = M.name })
  if #clients == 0 then
    return notify('nothing to cancel: poe-lsp is not running.')
  end
  for _, client in ipairs(clients) do
    local arguments = job_id and { { jobId = job_id } } or {}
    execute(client, contract.CMD_CANCEL, arguments, function(result)
      local cancelled = result.cancelled or {}
      if #cancelled > 0 then
        notify('cancelled ' .. table.concat(cancelled, ', ') .. '.')
      elseif #clients == 1 then
        notify(job_id and (job_id .. ' is not running.') or 'nothing to cancel.')
      end
    end)
  end
end

--- Accept (`accept = true`) or reject an answer kept for review: job `job_id`, or the one under
--- the cursor, through its code action.
---@param accept boolean
---@param job_id? string
local function review(accept, job_id)
  local client, problem = M.client()
  if not client then
    return notify(assert(problem), vim.log.levels.WARN)
  end
  local command = accept and contract.CMD_ACCEPT or contract.CMD_REJECT
  if not offers(client, command) then
    return notify(('this poe-lsp has no %s command; update poe-lsp.'):format(command))
  end
  if not job_id then
    return vim.lsp.buf.code_action({
      context = {
        only = { accept and contract.KIND_ACCEPT or contract.KIND_REJECT },
        diagnostics = {},
      },
      filter = function(action)
        return vim.startswith(action.title or '', 'Poe: ')
      end,
      apply = true,
    })
  end
  execute(client, command, { { jobId = job_id } }, function(result)
    if not (result.applied or result.rejected) then
      notify(('%s is not waiting for review.'):format(job_id), vim.log.levels.WARN)
    end
  end)
end

--- Apply an answer kept for review (`review` option): job `job_id`, or the one at the cursor.
---@param job_id? string
function M.accept(job_id)
  review(true, job_id)
end

--- Drop an answer kept for review: job `job_id`, or the one at the cursor.
---@param job_id? string
function M.reject(job_id)
  review(false, job_id)
end

--- The client of `bufnr`, else any poe_lsp client (for what is not about one buffer); when
--- there is none, say how to get one and return nil.
---@param bufnr? integer
---@return vim.lsp.Client?
local function any_client(bufnr)
  local client, problem = M.client(bufnr)
  client = client or vim.lsp.get_clients({ name = M.name })[1]
  if not client then
    notify(assert(problem), vim.log.levels.WARN)
  end
  return client
end

--- Show the points left on the Poe account of the key.
function M.balance()
  local client = any_client()
  if not client then
    return
  end
  if not offers(client, contract.CMD_BALANCE) then
    local version = client.server_info and client.server_info.version or 'this version'
    return notify(
      ('poe-lsp %s cannot show your balance yet (no %s command); a newer poe-lsp will.'):format(
        version,
        contract.CMD_BALANCE
      ) .. ' Meanwhile it is at https://poe.com/settings.'
    )
  end
  execute(client, contract.CMD_BALANCE, {}, function(result)
    notify(('%s points left.'):format(tostring(result.points)))
  end)
end

--- Follow up on job `job_id` (default: the last one that finished well) with `instruction`
--- (asked for when missing): the same bot gets the conversation so far, and its answer goes
--- where the job's answer went.
---@param instruction? string
---@param job_id? string
function M.follow_up(instruction, job_id)
  local client = any_client()
  if not client then
    return
  end
  require('poe_lsp.followup').send(client, instruction, job_id)
end

--- Make a chat (from `opts.range` of the buffer, when given) and open it.
---@param opts? poe_lsp.ActionOpts
function M.chat(opts)
  opts = opts or {}
  local bufnr = resolve_buf(opts.bufnr)
  local client = any_client(bufnr)
  if not client then
    return
  end
  require('poe_lsp.chat').open(client, bufnr, opts.range)
end

--- Send the chat in the current buffer; the answer streams in below the last `## You`.
function M.send()
  local client, problem = M.client()
  if not client then
    return notify(assert(problem), vim.log.levels.WARN)
  end
  require('poe_lsp.chat').send(client, vim.api.nvim_get_current_buf())
end

--- Show what job `job_id` (default: the last job started here) sent to the bot, as Markdown.
---@param job_id? string
function M.sent(job_id)
  local client = any_client()
  if not client then
    return
  end
  job_id = job_id or require('poe_lsp.jobs').last()
  if not job_id then
    return notify('no job has run in this session yet.')
  end
  execute(client, contract.CMD_SENT, { { jobId = job_id } }, function(result)
    require('poe_lsp.sent').show(job_id, result)
  end)
end

--- Pick the bot of every action, or of `action`, from Poe's list of bots (this session).
---@param action? string An action (`explain`, `refactor`, `writeTests`, `ask`, `commitMessage`).
function M.choose_bot(action)
  local client = any_client()
  if not client then
    return
  end
  require('poe_lsp.bots').choose(client, action)
end

--- A short text for the statusline: the Poe jobs running, or `''`.
---@return string
function M.status()
  local names = vim.tbl_map(function(job)
    return contract.TITLES[job.action] or job.action
  end, require('poe_lsp.jobs').running())
  return #names > 0 and ('Poe: ' .. table.concat(names, ', ') .. '…') or ''
end

return M
