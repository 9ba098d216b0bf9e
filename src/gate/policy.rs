//! What a gate is configured to accept.

use serde::{Deserialize, Serialize};

use crate::format::fields::Scene;

/// What the gate does once its synced data is older than the data's stated usable time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StalePolicy {
    /// Refuse every code until the gate syncs again (the default: lost cards stay refused).
    Refuse,
    /// Keep admitting, with a warning on every verdict.
    Warn,
}

/// A gate's configuration. When read from JSON, fields left out take the defaults of the
/// given scene (see [`GatePolicy::for_scene`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "PolicyConfig")]
pub struct GatePolicy {
    /// The gate's own scene (its venue type).
    pub scene: Scene,
    /// Scenes whose codes this gate admits; by default its own and `general`.
    pub accepted_scenes: Vec<Scene>,
    /// How many steps a code may be ahead of or behind the gate's clock (default 1).
    pub tolerance_steps: u32,
    /// Shortest step length accepted, in seconds.
    pub min_step_secs: u8,
    /// Longest step length accepted, in seconds: longer steps make a screenshot live longer.
    pub max_step_secs: u8,
    /// What to do when synced data is stale.
    pub stale: StalePolicy,
    /// Most codes remembered for single use.
    pub replay_capacity: usize,
    /// The venue this gate belongs to. When set, the gate applies the venue's signed
    /// reservation manifest for the day (bookings, passes, entry rules, library reader ids) and
    /// refuses when it holds none for today.
    pub venue_id: Option<u32>,
}

impl GatePolicy {
    /// The default policy for a gate at a venue of this scene.
    pub fn for_scene(scene: Scene) -> Self {
        let mut accepted_scenes = vec![scene];
        if scene != Scene::General {
            accepted_scenes.push(Scene::General);
        }
        GatePolicy {
            scene,
            accepted_scenes,
            tolerance_steps: 1,
            min_step_secs: 10,
            max_step_secs: 60,
            stale: StalePolicy::Refuse,
            replay_capacity: 65_536,
            venue_id: None,
        }
    }
}

impl Default for GatePolicy {
    fn default() -> Self {
        GatePolicy::for_scene(Scene::General)
    }
}

/// A policy as configured: any field may be left out.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyConfig {
    scene: Option<Scene>,
    accepted_scenes: Option<Vec<Scene>>,
    tolerance_steps: Option<u32>,
    min_step_secs: Option<u8>,
    max_step_secs: Option<u8>,
    stale: Option<StalePolicy>,
    replay_capacity: Option<usize>,
    venue_id: Option<u32>,
}

impl From<PolicyConfig> for GatePolicy {
    fn from(c: PolicyConfig) -> Self {
        let d = GatePolicy::for_scene(c.scene.unwrap_or(Scene::General));
        GatePolicy {
            accepted_scenes: c.accepted_scenes.unwrap_or(d.accepted_scenes),
            tolerance_steps: c.tolerance_steps.unwrap_or(d.tolerance_steps),
            min_step_secs: c.min_step_secs.unwrap_or(d.min_step_secs),
            max_step_secs: c.max_step_secs.unwrap_or(d.max_step_secs),
            stale: c.stale.unwrap_or(d.stale),
            replay_capacity: c.replay_capacity.unwrap_or(d.replay_capacity),
            venue_id: c.venue_id,
            scene: d.scene,
        }
    }
}
