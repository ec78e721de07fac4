export default async function globalSetup(): Promise<void> {
  // Replaced once the database layer lands: prepares a migrated template database.
}
