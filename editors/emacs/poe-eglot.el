;;; poe-eglot.el --- Poe bots in Eglot via poe-lsp  -*- lexical-binding: t; -*-

;; Copyright (C) 2026 the poe-lsp authors

;; Author: the poe-lsp authors
;; Version: 0.2.0
;; Package-Requires: ((emacs "27.1") (eglot "1.9"))
;; Keywords: tools, languages, convenience
;; URL: https://github.com/poe-lsp/poe-lsp
;; SPDX-License-Identifier: MIT

;; This file is not part of GNU Emacs.

;;; Commentary:

;; Eglot runs poe-lsp's code actions as it is (M-x eglot-code-actions).
;; This file adds what takes a client's help, for Eglot 1.9 and newer:
;;
;; - one undo step per answer, which poe-lsp streams as many edits, and no
;;   question before each of them;
;; - the explanation in a buffer once Explain is done (the hover has it too);
;; - the test file shown once Write tests is done (Eglot 1.9 lacks
;;   window/showDocument), and no "Server wants to edit" question for it;
;; - commands on the region, or on the block at point:
;;   `poe-eglot-explain', `poe-eglot-refactor', `poe-eglot-write-tests',
;;   `poe-eglot-ask' (prompts for an instruction); and `poe-eglot-cancel',
;;   `poe-eglot-balance'.
;;
;; It needs the poe-lsp server (`pipx install poe-lsp').  Install this
;; file with `package-install-file' (or put it on the `load-path'), then
;; tell Eglot to start poe-lsp through it:
;;
;;   (add-to-list 'eglot-server-programs '(python-mode . poe-eglot-contact))
;;
;; or, with the server's command spelled out, after (require 'poe-eglot):
;;
;;   (add-to-list 'eglot-server-programs
;;                '(python-mode . (poe-eglot-server "poe-lsp")))

;;; Code:

(require 'cl-lib)
(require 'seq)
(require 'eglot)

(defgroup poe-eglot nil
  "Poe bots in Eglot, through the poe-lsp language server."
  :group 'eglot
  :prefix "poe-eglot-")

(defcustom poe-eglot-command '("poe-lsp")
  "The command that starts poe-lsp, as a list: the program and its arguments."
  :type '(repeat string))

(defclass poe-eglot-server (eglot-lsp-server) ()
  :documentation "poe-lsp, which tells this client when each job ends.")

(cl-defmethod eglot-client-capabilities :around ((_server poe-eglot-server))
  "Opt in to poe-lsp's `poe/jobEnded' notification."
  (plist-put (cl-call-next-method) :experimental '(:poeJobEvents t)))

;;;###autoload
(defun poe-eglot-contact (&optional _interactive)
  "Return the `eglot-server-programs' contact for poe-lsp.
That is `poe-eglot-command' run as a `poe-eglot-server'."
  (cons 'poe-eglot-server poe-eglot-command))

(defvar-local poe-eglot--edit-starts nil
  "Change groups taken before each Poe edit to this buffer, newest first.")

(cl-defmethod eglot-handle-request :around
  ((_server poe-eglot-server) (_method (eql workspace/applyEdit))
   &key label edit &allow-other-keys)
  "Apply a Poe EDIT (its LABEL says so) unasked and report it at once.
It is the answer you asked for, streaming in: Eglot would ask
before each edit (Eglot 1.9 does unless
`eglot-confirm-server-initiated-edits' is nil) or before editing a
file it does not visit, and would report the change only once Emacs
is idle, holding up the next edit while you type."
  (if (not (string-prefix-p "Poe: " (or label "")))
      (cl-call-next-method)
    (let* ((buffers (mapcar #'find-file-noselect
                            (poe-eglot--edited-files edit)))
           (starts (mapcar #'prepare-change-group buffers))
           (eglot-confirm-server-initiated-edits nil))
      (prog1 (cl-call-next-method)
        (cl-loop for buffer in buffers
                 for start in starts
                 do (with-current-buffer buffer
                      (push start poe-eglot--edit-starts)
                      (when eglot--managed-mode
                        (eglot--signal-textDocument/didChange))))))))

(cl-defmethod eglot-handle-notification
  ((_server poe-eglot-server) (_method (eql poe/jobEnded))
   &key action targetUri outcome message edits explanation &allow-other-keys)
  "Make the EDITS of a job one undo step; show its explanation or test file.
ACTION, TARGETURI, OUTCOME, MESSAGE and EXPLANATION are as poe-lsp
sends them."
  (let ((buffer (and targetUri
                     (find-buffer-visiting (eglot--uri-to-path targetUri)))))
    (when buffer
      (with-current-buffer buffer
        (when (and (> edits 1) poe-eglot--edit-starts)
          (undo-amalgamate-change-group
           (or (nth (1- edits) poe-eglot--edit-starts)
               (car (last poe-eglot--edit-starts)))))
        (setq poe-eglot--edit-starts nil)))
    (when (equal outcome "done")
      (cond (explanation (poe-eglot--show-explanation explanation))
            ((and buffer (equal action "writeTests")) (display-buffer buffer))))
    (unless (equal outcome "failed")    ; failures come as showMessage too
      (message "Poe: %s" message))))

(defun poe-eglot--edited-files (edit)
  "Return the files the WorkspaceEdit EDIT changes."
  (delete-dups
   (mapcar #'eglot--uri-to-path
           (append (mapcar (lambda (change)
                             (let ((document (plist-get change :textDocument)))
                               (plist-get (or document change) :uri)))
                           (plist-get edit :documentChanges))
                   (cl-loop for (uri _) on (plist-get edit :changes) by #'cddr
                            collect uri)))))

(defun poe-eglot--show-explanation (markdown)
  "Show MARKDOWN in the *Poe explanation* buffer."
  (with-current-buffer (get-buffer-create "*Poe explanation*")
    (let ((inhibit-read-only t))
      (erase-buffer)
      (insert markdown)
      (if (fboundp 'gfm-view-mode) (gfm-view-mode) (special-mode))
      (goto-char (point-min)))
    (display-buffer (current-buffer))))

(defun poe-eglot--bounds ()
  "The region, or point twice: poe-lsp reads that as the block at point."
  (if (use-region-p)
      (list (region-beginning) (region-end))
    (list (point) (point))))

(defun poe-eglot--run (command beg end &rest more)
  "Run poe-lsp's COMMAND on the text between BEG and END, with MORE."
  (eglot--signal-textDocument/didChange) ; the server must see the text now
  (let ((reply (eglot-execute-command
                (eglot--current-server-or-lose) command
                (vector `(:textDocument ,(eglot--TextDocumentIdentifier)
                          :range (:start ,(eglot--pos-to-lsp-position beg)
                                  :end ,(eglot--pos-to-lsp-position end))
                          ,@more)))))
    (message "Poe: started %s" (plist-get reply :jobId))))

;;;###autoload
(defun poe-eglot-explain (beg end)
  "Explain the code between BEG and END; it shows when it is done."
  (interactive (poe-eglot--bounds))
  (poe-eglot--run 'poe.explain beg end))

;;;###autoload
(defun poe-eglot-refactor (beg end)
  "Have Poe rewrite the code between BEG and END in place."
  (interactive (poe-eglot--bounds))
  (poe-eglot--run 'poe.refactor beg end))

;;;###autoload
(defun poe-eglot-write-tests (beg end)
  "Have Poe write tests for the code between BEG and END.
They go into the project's test file, tests/test_<module>.py for Python."
  (interactive (poe-eglot--bounds))
  (poe-eglot--run 'poe.writeTests beg end))

;;;###autoload
(defun poe-eglot-ask (beg end instruction)
  "Ask Poe to change the code between BEG and END as INSTRUCTION says.
Unless the `review' setting says otherwise, the answer waits for
review: hover the code to read it, then run the code action
\"Poe: Accept answer\" or \"Poe: Reject answer\"."
  (interactive `(,@(poe-eglot--bounds) ,(read-string "Ask Poe: ")))
  (poe-eglot--run 'poe.ask beg end :instruction instruction))

;;;###autoload
(defun poe-eglot-cancel ()
  "Cancel every running Poe job; edits already streamed are taken back."
  (interactive)
  (let ((reply (eglot-execute-command
                (eglot--current-server-or-lose) 'poe.cancel [])))
    (message "Poe: cancelled %d job(s)" (length (plist-get reply :cancelled)))))

;;;###autoload
(defun poe-eglot-balance ()
  "Show the points left on the Poe account of your key."
  (interactive)
  (if (not (seq-contains-p
            (eglot--server-capable :executeCommandProvider :commands)
            "poe.balance"))
      (message "Poe: this poe-lsp cannot tell your balance; %s"
               "see https://poe.com/settings")
    (let ((reply (eglot-execute-command
                  (eglot--current-server-or-lose) 'poe.balance [])))
      (message "Poe: %s points left" (plist-get reply :points)))))

(provide 'poe-eglot)
;;; poe-eglot.el ends here
