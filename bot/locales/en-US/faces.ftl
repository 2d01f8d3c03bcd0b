# The face pre-check on the session card (issue 16).
card-face-open = { $tags } may show a realistic face: answer the question under it (keep it if it is drawn or stylised, or remove it). Generate waits for your answer.
