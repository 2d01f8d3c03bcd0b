# Hardening: what members read when a click or a file goes where it may not.

component-unknown = That button or menu no longer leads anywhere.
