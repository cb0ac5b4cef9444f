--- The names poe-lsp and its editor clients share, mirrored by name from `poe_lsp/contract.py`.
--- Change them together.
local M = {}

M.CMD_EXPLAIN = 'poe.explain'
M.CMD_REFACTOR = 'poe.refactor'
M.CMD_WRITE_TESTS = 'poe.writeTests'
M.CMD_ASK = 'poe.ask'
M.CMD_CANCEL = 'poe.cancel'
--- `{ jobId = ... }`: apply an answer kept for review as one edit; answers `{ applied = bool }`.
M.CMD_ACCEPT = 'poe.accept'
--- `{ jobId = ... }`: drop an answer kept for review; answers `{ rejected = bool }`.
M.CMD_REJECT = 'poe.reject'
--- No argument; answers `{ points = integer }`.
M.CMD_BALANCE = 'poe.balance'

---@alias poe_lsp.Action 'explain'|'refactor'|'writeTests'|'ask'

---@type poe_lsp.Action[]
M.ACTIONS = { 'explain', 'refactor', 'writeTests', 'ask' }

---@type table<string, poe_lsp.Action>
M.COMMAND_ACTIONS = {
  [M.CMD_EXPLAIN] = 'explain',
  [M.CMD_REFACTOR] = 'refactor',
  [M.CMD_WRITE_TESTS] = 'writeTests',
  [M.CMD_ASK] = 'ask',
}

M.KIND_EXPLAIN = 'poe.explain'
M.KIND_REFACTOR = 'refactor.rewrite'
M.KIND_WRITE_TESTS = 'poe.writeTests'
M.KIND_ACCEPT = 'poe.accept'
M.KIND_REJECT = 'poe.reject'

M.CONFIG_SECTION = 'poe'

--- Server -> client notification when a job ends, sent only to clients that declare the client
--- capability `experimental.poeJobEvents = true`.
M.NOTIFY_JOB_ENDED = 'poe/jobEnded'
M.EXPERIMENTAL_JOB_EVENTS = 'poeJobEvents'

--- The titles of the actions: progress titles and `workspace/applyEdit` labels are
--- `'Poe: ' .. title`.
---@type table<poe_lsp.Action, string>
M.TITLES = {
  explain = 'Explain',
  refactor = 'Refactor',
  writeTests = 'Write tests',
  ask = 'Ask',
}

---@param action poe_lsp.Action
---@return string
function M.command_for(action)
  for command, name in pairs(M.COMMAND_ACTIONS) do
    if name == action then
      return command
    end
  end
  error('not an action: ' .. tostring(action))
end

--- Whether a `workspace/applyEdit` label is one of poe-lsp's streamed edits.
---@param label string?
---@return boolean
function M.is_poe_label(label)
  for _, title in pairs(M.TITLES) do
    if label == 'Poe: ' .. title then
      return true
    end
  end
  return false
end

return M
