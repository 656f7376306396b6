package store

import (
	"context"
	"slices"

	"github.com/changeboard/changeboard/internal/cmdb"
)

// The transaction implements cmdb.MembershipRepository (checked by the compiler).
var _ cmdb.MembershipRepository = (*Tx)(nil)

// StaticGroupsOf implements cmdb.MembershipRepository.
func (tx *Tx) StaticGroupsOf(ctx context.Context, ids []string) (map[string][]string, error) {
	out := map[string][]string{}
	for chunk := range slices.Chunk(ids, 500) {
		var rows []struct {
			GroupID string
			CIID    string `gorm:"column:ci_id"`
		}
		if err := tx.g.Raw("SELECT group_id, ci_id FROM ci_group_members WHERE ci_id IN ?", chunk).Scan(&rows).Error; err != nil {
			return nil, translate(err, "group members")
		}
		for _, r := range rows {
			out[r.CIID] = append(out[r.CIID], r.GroupID)
		}
	}
	return out, nil
}
