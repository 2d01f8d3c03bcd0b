# Text shown exactly as written (what a provider or the operator said).
verbatim = { $text }
