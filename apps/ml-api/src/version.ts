/** The ml-api version reported by /health (bumped with the deployment manifests). */
export const ML_API_VERSION = '0.1.0';
