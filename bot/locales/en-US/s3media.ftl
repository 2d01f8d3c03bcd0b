# Media by key (bot/hosting/s3_media.py): the shared file storage can't be reached.
s3media-unreachable = The file storage isn't answering right now, so nothing was saved or lost. Please try again in a few minutes; if this was a video, its credits came back.
