// The reconciliation's buckets in the order a clerk works them (differences first). The session
// sorts and pages the rows (`reconciliation`); the window only asks for a bucket's pages.

export const BUCKETS = ['not_deducted', 'partial', 'not_billed', 'matched'] as const
export type Bucket = (typeof BUCKETS)[number]
