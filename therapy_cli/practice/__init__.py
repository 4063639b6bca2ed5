"""The practice's records: clients, contacts, sessions, supervision, CPD, retention."""
