-- Test helpers loaded into the Neovim under test (`H = dofile(this file)`): they record what the
-- user would see, so pytest can poll it through pynvim.
local H = {
	--- The params of every `User PoeJobEnded` autocommand, in order.
	events = {},
	--- Every vim.notify() call: { msg = ..., level = ... }.
	messages = {},
	--- The prompt of every vim.ui.select() (the server's window/showMessageRequest), in order.
	questions = {},
	--- The title of the choice vim.ui.select() picks; nil cancels. Neovim's own would block in
	--- inputlist().
	answer = nil,
}

---@diagnostic disable-next-line: duplicate-set-field
vim.ui.select = function(items, opts, on_choice)
	table.insert(H.questions, opts.prompt or "")
	local format = opts.format_item or tostring
	for i, item in ipairs(items) do
		if format(item) == H.answer then
			return on_choice(item, i)
		end
	end
	on_choice(nil, nil)
end

local notify = vim.notify
---@diagnostic disable-next-line: duplicate-set-field
vim.notify = function(msg, level, opts)
	table.insert(H.messages, { msg = msg, level = level or vim.log.levels.INFO })
	return notify(msg, level, opts)
end

vim.api.nvim_create_autocmd("User", {
	pattern = "PoeJobEnded",
	callback = function(ev)
		table.insert(H.events, ev.data)
	end,
})

--- The poe_lsp client of the current buffer, once it is initialized.
---@return vim.lsp.Client?
function H.client()
	local client = vim.lsp.get_clients({ bufnr = 0, name = "poe_lsp" })[1]
	return client and client.initialized and client or nil
end

--- Whether a poe_lsp client is attached to the current buffer and initialized.
---@return boolean
function H.attached()
	return H.client() ~= nil
end

--- The lines of the current buffer.
---@return string[]
function H.lines()
	return vim.api.nvim_buf_get_lines(0, 0, -1, false)
end

--- The floating windows: their buffer's text and filetype.
---@return { text: string, filetype: string }[]
function H.floats()
	local found = {}
	for _, win in ipairs(vim.api.nvim_list_wins()) do
		if vim.api.nvim_win_get_config(win).relative ~= "" then
			local buf = vim.api.nvim_win_get_buf(win)
			table.insert(found, {
				text = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), "\n"),
				filetype = vim.bo[buf].filetype,
			})
		end
	end
	return found
end

--- Close every floating window.
function H.close_floats()
	for _, win in ipairs(vim.api.nvim_list_wins()) do
		if vim.api.nvim_win_get_config(win).relative ~= "" then
			vim.api.nvim_win_close(win, true)
		end
	end
end

--- All the messages shown so far, joined.
---@return string
function H.all_messages()
	local texts = vim.tbl_map(function(m)
		return m.msg
	end, H.messages)
	return table.concat(texts, "\n") .. "\n" .. vim.api.nvim_exec2("messages", { output = true }).output
end

--- The undo sequence number of the current buffer.
---@return integer
function H.undo_seq()
	return vim.fn.undotree().seq_cur
end

return H
