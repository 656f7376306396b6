// Package errs holds the one error type of Changeboard: a closed set of codes
// that every capability returns and that the HTTP layer maps to a status.
package errs

import (
	"errors"
	"fmt"
	"sort"
)

// Code is one of the closed set of error kinds.
type Code string

// The codes. The HTTP layer keeps the one table from code to status.
const (
	Invalid            Code = "invalid"
	Unauthenticated    Code = "unauthenticated"
	Forbidden          Code = "forbidden"
	NotFound           Code = "not_found"
	Conflict           Code = "conflict"
	PreconditionFailed Code = "precondition_failed"
	// PreconditionRequired: an update sent without the version it edits.
	PreconditionRequired Code = "precondition_required"
	TooManyRequests      Code = "too_many_requests"
	TooLarge             Code = "too_large"
	Unprocessable        Code = "unprocessable"
	Unavailable          Code = "unavailable"
	Internal             Code = "internal"
	// MethodNotAllowed is a known path asked with a method it does not
	// serve.
	MethodNotAllowed Code = "method_not_allowed"
	// ClientClosed is a request its client gave up on before the answer.
	ClientClosed Code = "client_closed"
)

// FieldError says what is wrong with one input field.
type FieldError struct {
	Field  string
	Reason string
}

// Error is a domain error: a code, a message safe to show to the caller, and
// per-field reasons for invalid input.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
	// MoreFields counts the field errors left out of Fields beyond
	// MaxFieldErrors.
	MoreFields int
	// RetryAfterSeconds is set on TooManyRequests and Unavailable.
	RetryAfterSeconds int
	cause             error
}

// Error implements error.
func (e *Error) Error() string {
	if e.cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.cause)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.cause }

// E builds an Error with a formatted message.
func E(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap builds an Error that keeps cause for logs but shows only message.
func Wrap(code Code, cause error, message string) *Error {
	return &Error{Code: code, Message: message, cause: cause}
}

// Field builds an Invalid error for a single field.
func Field(field, reason string) *Error {
	return &Error{Code: Invalid, Message: "invalid input", Fields: []FieldError{{Field: field, Reason: reason}}}
}

// CodeOf returns the code of the first *Error in err's chain, or Internal.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }

// MaxFieldErrors is the most field errors one answer lists; the rest are
// only counted, so that no input can make an error answer larger than its
// own size allows.
const MaxFieldErrors = 100

// Fields collects field errors and turns them into one Invalid error.
type Fields []FieldError

// Add records a reason for field.
func (f *Fields) Add(field, reason string) { *f = append(*f, FieldError{Field: field, Reason: reason}) }

// Err returns nil when nothing was added, else an Invalid error listing the
// fields in a stable order.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	out := append([]FieldError(nil), f...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	e := &Error{Code: Invalid, Message: "invalid input", Fields: out}
	e.Cap()
	return e
}

// Cap keeps at most MaxFieldErrors field errors and counts the rest in
// MoreFields.
func (e *Error) Cap() {
	if n := len(e.Fields); n > MaxFieldErrors {
		e.MoreFields += n - MaxFieldErrors
		e.Fields = e.Fields[:MaxFieldErrors:MaxFieldErrors]
	}
}

// NeedVersion refuses an update that does not say which version of what
// it edits (no If-Match): without it, optimistic concurrency would let it
// overwrite a change it never saw.
func NeedVersion(ifVersion *int64, what string) error {
	if ifVersion == nil {
		return E(PreconditionRequired, "send If-Match with the ETag of the version of %s you edited (GET it first)", what)
	}
	return nil
}
