// Placeholder replaced by the default handler implementation.
export const handler = async () => ({ ok: true });
