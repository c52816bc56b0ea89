/** Where the policy pack lives: the rollout driver passes it as `policyPacks`, people as `--policy-pack`. */
export const POLICY_PACK_DIR = __dirname;
