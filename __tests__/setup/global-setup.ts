// Placeholder: the radosgw work replaces this with starting the one-node S3 server.
export default async function globalSetup(): Promise<void> {}
