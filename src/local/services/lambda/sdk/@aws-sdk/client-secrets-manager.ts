// The AWS SDK client the Lambda Node.js runtime provides, bundled for the local function
// containers: they find it through NODE_PATH, as functions bundle @aws-sdk/* as external.
export * from '@aws-sdk/client-secrets-manager';
