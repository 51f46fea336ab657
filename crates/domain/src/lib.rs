//! Pure business rules. No I/O, no clock: `today` comes in as a parameter.
