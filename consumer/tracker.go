package consumer

import "github.com/twmb/franz-go/pkg/kgo"

type topicPartition struct {
	topic string
	part  int32
}

// run is a stretch of consecutive offsets of one partition that wait for the same unit.
type run struct {
	u     *unit
	last  int64 // highest offset of the run
	epoch int32 // leader epoch of that record
}

// partState tracks one assigned partition: which polled offsets still wait for an insert
// or a dead-letter write, and what may be committed. Offsets are committed only up to
// the first record whose unit is not done, so a commit never passes an unflushed record.
type partState struct {
	runs      []run
	next      kgo.EpochOffset // offset to commit next (one past the last completed record)
	committed int64           // last committed offset, -1 if none this assignment
}

func newPartState() *partState {
	return &partState{next: kgo.EpochOffset{Epoch: -1, Offset: -1}, committed: -1}
}

// add appends a polled record to the tracked runs.
func (p *partState) add(u *unit, offset int64, epoch int32) {
	if n := len(p.runs); n > 0 && p.runs[n-1].u == u {
		p.runs[n-1].last, p.runs[n-1].epoch = offset, epoch
		return
	}
	p.runs = append(p.runs, run{u: u, last: offset, epoch: epoch})
}

// advance moves next over the completed prefix of runs and reports whether there is
// something new to commit.
func (p *partState) advance() bool {
	i := 0
	for ; i < len(p.runs) && p.runs[i].u.done.Load(); i++ {
		p.next = kgo.EpochOffset{Epoch: p.runs[i].epoch, Offset: p.runs[i].last + 1}
	}
	if i > 0 {
		n := copy(p.runs, p.runs[i:])
		clear(p.runs[n:])
		p.runs = p.runs[:n]
	}
	return p.next.Offset > p.committed
}

// pending reports whether some polled offset still waits for its unit.
func (p *partState) pending() bool { return len(p.runs) > 0 }
