//! Rules about the people and documents behind a card, shared by the phone (through wasm, for
//! instant feedback) and the server (which enforces them).

pub mod id_number;
