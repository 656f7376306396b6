// Package web embeds the web UI's templates and static files, so that the
// binary carries its pages and internal/webui parses them once at start.
package web

import "embed"

// FS holds templates/*.html and static/*.
//
//go:embed templates/*.html static/*
var FS embed.FS
