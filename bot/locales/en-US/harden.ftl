# Hardening: what members read when a click or a file goes where it may not.

component-unknown = That button or menu no longer leads anywhere.

# The one answer to a message's files, after how many were added (files-added).
upload-summary-added = Added: { $tags }.
