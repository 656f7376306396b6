// Package catalog is the patch catalog: updates imported from security
// advisories or entered by hand, their approval, and per-CI compliance.
package catalog

import (
	"time"

	"github.com/changeboard/changeboard/internal/audit"
)

// Service holds the patch catalog use cases.
type Service struct {
	store Store
	audit *audit.Service
	now   func() time.Time
}

// Store runs fn in one transaction.
type Store interface{}

// NewService returns the catalog service.
func NewService(store Store, auditSvc *audit.Service, now func() time.Time) *Service {
	return &Service{store: store, audit: auditSvc, now: now}
}
