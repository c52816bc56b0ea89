/** The check pack: every phase's checks, in the order they are reported. */
import type { PhaseName } from "../../src/phases";
import type { Check } from "./check";
import { accountChecks } from "./account";
import { databaseChecks } from "./database";
import { ecsChecks } from "./ecs";
import { monitoringChecks } from "./monitoring";
import { networkChecks } from "./network";
import { storageChecks } from "./storage";

export const CHECKS: Readonly<Record<PhaseName, readonly Check[]>> = {
    network: networkChecks,
    database: databaseChecks,
    storage: storageChecks,
    ecs: ecsChecks,
    // The account's security services are reported with the last phase: going live is when they must be on.
    monitoring: [...monitoringChecks, ...accountChecks],
};
