// Package cmdb is the MOF Configuration Management process: configuration
// items, their relationships, groups, inventory and impact analysis.
package cmdb

import (
	"time"

	"github.com/changeboard/changeboard/internal/audit"
)

// Service holds the configuration management use cases.
type Service struct {
	store Store
	audit *audit.Service
	now   func() time.Time
}

// Store runs fn in one transaction.
type Store interface{}

// NewService returns the CMDB service.
func NewService(store Store, auditSvc *audit.Service, now func() time.Time) *Service {
	return &Service{store: store, audit: auditSvc, now: now}
}
