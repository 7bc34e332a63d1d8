//! JumpCloud groups pinned byte for byte against a scripted fake target.
