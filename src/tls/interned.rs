//! Certificate chains kept once per thread: the chain of a Certificate
//! message is shared (`Arc`) by every connection of the worker that sent the
//! same one, so that thousands of open connections to one gateway hold one
//! copy of its chain, not one each. Bounded: at most `KEPT` chains are
//! remembered (by a `Weak`, freed with the last connection that holds them).

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::{Arc, Weak};

/// Chains remembered per thread before the memory is emptied and refilled.
const KEPT: usize = 4096;

/// The chains of one Certificate message: DER certificates in the order sent.
pub type Chain = Arc<[Vec<u8>]>;

type Memory = HashMap<u64, Weak<[Vec<u8>]>, foldhash::fast::FixedState>;

thread_local! {
    static CHAINS: RefCell<Memory> = RefCell::new(Memory::default());
}

/// The shared copy of this chain (the one already held, when it is).
pub fn chain(certs: Vec<Vec<u8>>) -> Chain {
    let key = foldhash::fast::FixedState::default().hash_one(&certs);
    CHAINS.with(|m| {
        let mut m = m.borrow_mut();
        if let Some(c) = m.get(&key).and_then(Weak::upgrade)
            && *c == *certs
        {
            return c;
        }
        if m.len() >= KEPT {
            m.clear();
        }
        let c: Chain = certs.into();
        m.insert(key, Arc::downgrade(&c));
        c
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_chain_is_one_allocation() {
        let a = chain(vec![vec![1, 2, 3], vec![4]]);
        let b = chain(vec![vec![1, 2, 3], vec![4]]);
        assert!(Arc::ptr_eq(&a, &b));
        let c = chain(vec![vec![1, 2, 3]]);
        assert!(!Arc::ptr_eq(&a, &c));
        assert_eq!(&*c, &[vec![1u8, 2, 3]][..]);
    }
}
