-- The :Poe command and the <Plug> mappings; everything else loads when first used.
if vim.g.loaded_poe_lsp then
  return
end
vim.g.loaded_poe_lsp = true

vim.api.nvim_create_user_command('Poe', function(opts)
  require('poe_lsp.commands').run(opts)
end, {
  nargs = '+',
  range = true,
  desc = 'Poe: explain, refactor, tests, ask {instruction}, cancel [job], balance',
  complete = function(...)
    return require('poe_lsp.commands').complete(...)
  end,
})

for _, name in ipairs({ 'explain', 'refactor', 'tests', 'ask' }) do
  local plug = ('<Plug>(poe-%s)'):format(name)
  vim.keymap.set('n', plug, ('<Cmd>Poe %s<CR>'):format(name), { desc = 'Poe: ' .. name })
  vim.keymap.set('x', plug, (':Poe %s<CR>'):format(name), { silent = true, desc = 'Poe: ' .. name })
end
vim.keymap.set('n', '<Plug>(poe-cancel)', '<Cmd>Poe cancel<CR>', { desc = 'Poe: cancel' })
