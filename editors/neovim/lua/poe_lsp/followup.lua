--- `:Poe followup {instruction}`: continue a finished job's conversation (`poe.followUp`); the
--- answer goes where the job's answer went.
local M = {}

local contract = require('poe_lsp.contract')
local rpc = require('poe_lsp.rpc')

--- Send `instruction` as a follow-up of `job_id` (default: the last job that finished well).
---@param client vim.lsp.Client
---@param instruction? string Asked for when missing.
---@param job_id? string
function M.send(client, instruction, job_id)
  if not rpc.offers(client, contract.CMD_FOLLOW_UP) then
    return rpc.notify(
      ('this poe-lsp has no %s command; update poe-lsp.'):format(contract.CMD_FOLLOW_UP)
    )
  end
  local jobs = require('poe_lsp.jobs')
  local followed = job_id or jobs.last_done()
  if not followed then
    return rpc.notify('no job has finished in this session yet: run an action first.')
  end
  if vim.trim(instruction or '') == '' then
    return vim.ui.input({ prompt = ('Follow up on %s: '):format(followed) }, function(input)
      if input and vim.trim(input) ~= '' then
        M.send(client, input, followed)
      end
    end)
  end
  local argument = { jobId = followed, instruction = instruction }
  rpc.execute(client, contract.CMD_FOLLOW_UP, { argument }, function(result)
    if result.jobId then
      local before = jobs.get(followed)
      jobs.started({
        id = result.jobId,
        action = before and before.action or 'followUp',
        client_id = client.id,
        bufnr = before and before.bufnr or vim.api.nvim_get_current_buf(),
      })
    end
  end)
end

return M
