# Hardening: what members read when a click or a file goes where it may not.

component-unknown = That button or menu no longer leads anywhere.

# The one answer to a message's files, after how many were added (files-added).
upload-summary-added = Added: { $tags }.

# Past the retention period (RETENTION_DAYS): the result's files were removed.
job-files-gone = The files job #{ $job } was made from are no longer kept, so it can't be run again. Start a new session with `/video new`.
job-video-gone = The video of job #{ $job } is no longer kept, so nothing can be built on it.
