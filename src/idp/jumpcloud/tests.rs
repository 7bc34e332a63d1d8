//! JumpCloud users pinned byte for byte against a scripted fake target.
