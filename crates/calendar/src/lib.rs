//! Japanese public holidays and bank business days, computed from the holiday law (pure, no clock).
