--- Talking to the server: messages to the user, `workspace/executeCommand`, the commands a
--- server offers. Shared by the modules behind `:Poe`.
local M = {}

--- Show `message`, prefixed `Poe: `.
---@param message string
---@param level? integer
function M.notify(message, level)
  vim.notify('Poe: ' .. message, level or vim.log.levels.INFO)
end

--- Whether `client`'s server offers `command`.
---@param client vim.lsp.Client
---@param command string
---@return boolean
function M.offers(client, command)
  local provider = client.server_capabilities and client.server_capabilities.executeCommandProvider
  return provider ~= nil and vim.tbl_contains(provider.commands or {}, command)
end

--- Send `workspace/executeCommand`: a failure is shown, a result goes to `on_result`.
---@param client vim.lsp.Client
---@param command string
---@param arguments any[]
---@param on_result fun(result: table)
---@param bufnr? integer
function M.execute(client, command, arguments, on_result, bufnr)
  local params = { command = command, arguments = arguments }
  client:request('workspace/executeCommand', params, function(err, result)
    if err then
      return M.notify(err.message, vim.log.levels.ERROR)
    end
    on_result(type(result) == 'table' and result or {})
  end, bufnr)
end

return M
