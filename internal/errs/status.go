package errs

import "net/http"

// status is the one table from error code to HTTP status, shared by the
// API's problem documents and the web UI's error pages.
var status = map[Code]int{
	Invalid:              http.StatusBadRequest,
	Unauthenticated:      http.StatusUnauthorized,
	Forbidden:            http.StatusForbidden,
	NotFound:             http.StatusNotFound,
	Conflict:             http.StatusConflict,
	PreconditionFailed:   http.StatusPreconditionFailed,
	PreconditionRequired: http.StatusPreconditionRequired,
	TooLarge:             http.StatusRequestEntityTooLarge,
	Unprocessable:        http.StatusUnprocessableEntity,
	TooManyRequests:      http.StatusTooManyRequests,
	Unavailable:          http.StatusServiceUnavailable,
	Internal:             http.StatusInternalServerError,
	MethodNotAllowed:     http.StatusMethodNotAllowed,
	// 499 is nginx's "client closed request": no standard status exists.
	ClientClosed: 499,
}

// StatusOf returns the HTTP status of a code; 500 for an unknown one.
func StatusOf(c Code) int {
	if s, ok := status[c]; ok {
		return s
	}
	return http.StatusInternalServerError
}
