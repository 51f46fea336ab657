//! The month-end use cases: the one API surface that the CLI, the desktop shell and the server call.
