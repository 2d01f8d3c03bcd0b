storyboard-shot-let-go = Not started: its session ended first, so its credits came back.
