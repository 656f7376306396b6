package store_test

import (
	"github.com/changeboard/changeboard/internal/auth"
	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/store"
)

// The store's transaction implements every capability's Tx.
var (
	_ auth.Tx   = (*store.Tx)(nil)
	_ change.Tx = (*store.Tx)(nil)
)
