// Public entry of @veriot/core: encodings, hashes, signature suites and error codes (no I/O).
export { type ErrorCode, ErrorCodes, ExitCode } from './errors/codes.ts'
export { type ErrorContext, isVeriotError, VeriotError } from './errors/VeriotError.ts'
