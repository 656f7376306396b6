package store_test

import (
	"github.com/changeboard/changeboard/internal/auth"
	"github.com/changeboard/changeboard/internal/catalog"
	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/cmdb"
	"github.com/changeboard/changeboard/internal/store"
)

// The store's transaction implements every capability's Tx.
var (
	_ auth.Tx    = (*store.Tx)(nil)
	_ catalog.Tx = (*store.Tx)(nil)
	_ change.Tx  = (*store.Tx)(nil)
	_ cmdb.Tx    = (*store.Tx)(nil)
)
