//! Files in and out. Every reader refuses a bad file with positioned errors (file, row, column,
//! value, expected) and collects all of them before refusing.
